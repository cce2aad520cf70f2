import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// How large a request head may be. A path and query above ``maxTargetBytes`` answer 414 URI Too
/// Long, header fields above ``maxHeaderBytes`` 431, both as problem+json like every error
/// (``ProblemMiddleware``). The HTTP parser itself accepts heads up to ``parserLimit``; anything
/// larger, or anything it cannot parse, is answered by ``ParserErrorResponder`` (431 or 400,
/// problem+json) before the connection closes.
public enum HTTPLimits {
    /// 200 area codes of 64 characters fit (a series of the most areas a request may name).
    public static let maxTargetBytes = 16 * 1024
    public static let maxHeaderBytes = 32 * 1024
    public static let parserLimit = 256 * 1024

    /// The problem for a request whose head is too large, if it is.
    static func problem(for request: Request) -> Problem? {
        let target = request.uri.description.utf8.count
        if target > maxTargetBytes {
            return Problem(.uriTooLong, "the path and query are \(target) bytes, more than the limit of \(maxTargetBytes); ask for fewer areas per request")
        }
        let headers = request.headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count + 4 }
        if headers > maxHeaderBytes {
            return Problem(.requestHeaderFieldsTooLarge, "the header fields are \(headers) bytes, more than the limit of \(maxHeaderBytes)")
        }
        return nil
    }

    /// The server for ``WardAPI/buildApplication(logger:)``: the parser's limits and its error answers.
    public static var server: HTTPServerBuilder {
        .http1(configuration: .init(
            additionalChannelHandlers: [ParserErrorResponder()],
            httpDecoderConfiguration: .init(maxHeaderFieldSize: parserLimit, maxHeaderListSize: parserLimit)))
    }
}

/// Answers what the HTTP parser refused with problem+json (Hummingbird would answer a bare 400
/// with an empty body), then closes the connection: a head beyond the parser's limit is a 431,
/// anything else it cannot parse a 400.
final class ParserErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        let problem = parserError == .headerOverflow
            ? Problem(.requestHeaderFieldsTooLarge, "the request line and header fields are larger than \(HTTPLimits.parserLimit) bytes")
            : Problem(.badRequest, "the request is not valid HTTP/1.1 (\(parserError))")
        let body = problem.body(path: nil, requestID: nil)
        var head = HTTPResponse(status: problem.status)
        head.headerFields[.contentType] = "application/problem+json"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }
}
