import Crypto

/// SHA-256 (swift-crypto) where the store needs it: token hashes, import batch ids, migration
/// checksums.
enum Checksum {
    static func sha256(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: Array(bytes)))
    }

    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(sha256(bytes))
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
