/**
 * Stock Nakama's exact words for the refusals both servers have, so that clients matching on a
 * message see no difference (see the refusal table of the protocol notes).
 */
export const StockWords = {
  mustJoinToSend: "Must join channel before sending messages",
  contentNotObject: "Message content must be a valid JSON object",
  invalidChannelId: "Invalid channel identifier",
  invalidChannelTarget: "Invalid channel target",
  invalidChannelType: "Invalid channel type",
  noMessageToUpdate: "Could not find message to update in channel history",
  noMessageToRemove: "Could not find message to remove in channel history",
  groupChannelNotFound: "Group not found: Invalid channel target",
  userChannelNotFound: "User ID not found: Invalid channel target",
  invalidUserId: "Invalid user identifier",
  groupHistoryNotFound: "Group not found.",
  directHistoryNotFound: "Channel not found.",
  invalidLimit: "Invalid limit - limit must be between 1 and 100.",
  malformedCursor: "Malformed cursor was used.",
  groupNotFound: "Group not found.",
  usernameInUse: "Username is already in use.",
  invalidUsername: "Username invalid, must be 1-128 characters with no spaces.",
  accountNotFound: "Account not found.",
  userAccountNotFound: "User account not found.",
  authTokenRequired: "Auth token required",
  authTokenInvalid: "Auth token invalid",
  serverKeyRequired: "Server key required",
  serverKeyInvalid: "Server key invalid",
  rpcNotFound: "RPC function not found",
} as const;
