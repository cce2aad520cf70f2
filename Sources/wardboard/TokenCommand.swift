import ArgumentParser
import Foundation
import WardCore
import WardStore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token. It is printed once, alone on standard output; only its hash is stored.")
        @Option(help: "viewer, editor or admin.") var role: String
        @Option(help: "For editors: the area they may write for (and the areas below it).") var area: String?
        @Option(help: "Who or what the token is for.") var name: String

        func validate() throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be viewer, editor or admin") }
            if role == .editor && area == nil { throw ValidationError("an editor token needs --area CODE") }
        }

        func run() async throws {
            LoggingSetup.bootstrap()
            let env = AppEnvironment()
            let database = env.openDatabase(maxConnections: 1, logger: env.makeLogger("wardboard.token"))
            do {
                let (token, info) = try await TokenRepository(database).create(name: name, role: Role(rawValue: role) ?? .viewer, area: area)
                FileHandle.standardError.write(Data("created token \(info.id) '\(info.name)': role \(info.role.rawValue)\(info.areaCode.map { ", area \($0)" } ?? "")\n".utf8))
                print(token)
            } catch let error as StoreError {
                await database.close()
                throw ValidationError(error.message)
            }
            await database.close()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")
        func run() async throws {
            LoggingSetup.bootstrap()
            let env = AppEnvironment()
            let database = env.openDatabase(maxConnections: 1, logger: env.makeLogger("wardboard.token"))
            for token in try await TokenRepository(database).list() {
                print("\(token.id)\t\(token.role.rawValue)\t\(token.areaCode ?? "-")\t\(token.revoked ? "revoked" : "active")\t\(token.name)")
            }
            await database.close()
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id.")
        @Argument var id: Int
        func run() async throws {
            LoggingSetup.bootstrap()
            let env = AppEnvironment()
            let database = env.openDatabase(maxConnections: 1, logger: env.makeLogger("wardboard.token"))
            let revoked = try await TokenRepository(database).revoke(id: id)
            await database.close()
            guard revoked else { throw ValidationError("no active token with id \(id)") }
            print("revoked \(id)")
        }
    }
}
