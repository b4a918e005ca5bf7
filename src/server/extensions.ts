/**
 * herald's protocol extensions, as the capabilities route names them:
 * - `client_msg_id`: a send carrying a client message id is stored once; a repeat gets the original ack;
 * - `exact_cursors`: history cursors never skip or repeat messages;
 * - `user_presence`: users' `last_active` and `status`, and the persistent `invisible` flag.
 */
export const allExtensions = ["client_msg_id", "exact_cursors", "user_presence"] as const;

/** One of herald's protocol extensions. */
export type Extension = (typeof allExtensions)[number];
