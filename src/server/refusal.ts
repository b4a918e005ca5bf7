import { HeraldError } from "../errors.js";
import { codeForServer, type HeraldErrorCode, wireCodes } from "../protocol/error-codes.js";

/** How a refusal travels when stock Nakama numbers the same case differently. */
export interface RefuseOptions {
  /**
   * The code stock Nakama answers this case with, sent as the wire code (realtime code, gRPC code
   * and HTTP status) so stock clients see no difference; the precise `code` still travels as
   * `herald_code`. @default the precise code itself
   */
  wire?: HeraldErrorCode;
}

/**
 * Throws the error a request is refused with, by name: `refuse("permission_denied", message)`.
 * The numbers it is sent as come from the one table in src/protocol/error-codes.ts.
 */
export function refuse(code: HeraldErrorCode, message: string, options: RefuseOptions = {}): never {
  throw new HeraldError(code, message, { serverCode: wireCodes[options.wire ?? code].grpc });
}

/** The code an error is sent with on the wire (realtime code or gRPC code). */
export function wireCodeOf(err: HeraldError): number {
  return err.serverCode ?? wireCodes[err.code].grpc;
}

/** HTTP status for a gRPC code, as Nakama's gateway answers. */
export function httpStatusOf(grpcCode: number): number {
  return wireCodes[codeForServer(grpcCode)].http;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical text form (user, group and message ids are UUIDs). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
