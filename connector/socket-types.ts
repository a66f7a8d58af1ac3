// The narrow slice of a Baileys socket the connector uses, so tests can inject a double built
// on makeEventBuffer, plus the injectable media downloader. Types only, no behaviour.
import type { UserFacingSocketConfig, WAMessage, WASocket } from "@whiskeysockets/baileys";
import type { Logger } from "pino";

export type ConnectorSocket = Pick<
  WASocket,
  | "ev"
  | "user"
  | "sendMessage"
  | "end"
  | "logout"
  | "requestPairingCode"
  | "groupMetadata"
  | "updateMediaMessage"
  | "rejectCall"
  | "readMessages"
  | "sendPresenceUpdate"
>;

export type SocketFactory = (config: UserFacingSocketConfig) => ConnectorSocket;

/** Downloads and decrypts a media message's bytes (default: Baileys' downloadMediaMessage). */
export type MediaDownloader = (message: WAMessage, socket: ConnectorSocket, logger: Logger) => Promise<Uint8Array>;
