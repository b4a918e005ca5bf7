/**
 * The protobuf wire format, on its own entry point so that apps using JSON never load its code.
 *
 * ```ts
 * import { protobufCodec } from "herald/protobuf";
 * const socket = client.createSocket({ codec: protobufCodec });
 * ```
 * @module
 */
export { decodeProtobufEnvelope, encodeProtobufEnvelope, protobufCodec } from "./protocol/protobuf-codec.js";
