/**
 * herald's protocol extensions, as the capabilities route names them:
 * - `client_msg_id`: a send carrying a client message id is stored once; a repeat gets the original ack;
 * - `exact_cursors`: history cursors never skip or repeat messages;
 * - `join_mark`: a channel join's reply names the newest stored message, and every message stored
 *   after it reaches the joined socket live (the point catch-up reads back to after a loss);
 * - `user_presence`: users' `last_active` and `status`, and the persistent `invisible` flag.
 */
export const allExtensions = ["client_msg_id", "exact_cursors", "join_mark", "user_presence"] as const;

/** One of herald's protocol extensions. */
export type Extension = (typeof allExtensions)[number];
