/**
 * Protocol limits, declared once: the SDK checks them before sending, the server enforces them.
 */

/** The most bytes (UTF-8) a status may have (stock Nakama's limit too). */
export const MAX_STATUS_LENGTH = 2048;

/** The most bytes (UTF-8) a chat message's `content` may have on herald's server. */
export const MAX_CONTENT_BYTES = 4096;

/** The most bytes (UTF-8) a room name may have (stock Nakama's limit too). */
export const MAX_ROOM_NAME_LENGTH = 64;

/** The largest incoming WebSocket frame herald's server takes by default, in bytes. */
export const HERALD_MAX_FRAME_BYTES = 65536;

/**
 * The largest incoming WebSocket frame a stock Nakama server takes with default settings
 * (`socket.max_message_size_bytes`); a larger frame closes the connection with 1009.
 */
export const STOCK_MAX_FRAME_BYTES = 4096;

/** The largest REST request body herald's server takes by default, in bytes (1 MiB). */
export const HERALD_MAX_BODY_BYTES = 1 << 20;

/**
 * The largest REST request body a stock Nakama server takes with default settings
 * (`socket.max_request_size_bytes`, 256 KiB).
 */
export const STOCK_MAX_BODY_BYTES = 256 << 10;
