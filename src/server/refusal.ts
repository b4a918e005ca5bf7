import { HeraldError } from "../errors.js";

/**
 * Throws the error a request is refused with. `code` is the realtime/gRPC code sent to the client
 * (3 bad input unless said otherwise); REST maps it to the matching HTTP status.
 */
export function refuse(message: string, code = 3): never {
  throw HeraldError.fromServer(code, message);
}

/** HTTP status for a gRPC code, as Nakama's gateway answers. */
export function httpStatusOf(grpcCode: number): number {
  switch (grpcCode) {
    case 3:
      return 400;
    case 5:
      return 404;
    case 6:
      return 409;
    case 7:
      return 403;
    case 8:
      return 429;
    case 12:
      return 501;
    case 16:
      return 401;
    default:
      return 500;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical text form (user, group and message ids are UUIDs). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
