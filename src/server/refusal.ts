import { HeraldError } from "../errors.js";
import { codeForServer, wireCodes } from "../protocol/error-codes.js";

/**
 * Throws the error a request is refused with. `code` is the realtime/gRPC code sent to the client
 * (3 bad input unless said otherwise); REST maps it to the matching HTTP status.
 */
export function refuse(message: string, code = 3): never {
  throw HeraldError.fromServer(code, message);
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
