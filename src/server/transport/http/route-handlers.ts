import type { HeraldError } from "../../../errors.js";
import type { CapabilitiesInit } from "../../../gen/wire.js";
import type { Accounts } from "../../services/accounts.js";
import type { Authentication } from "../../services/authentication.js";
import type { Friends } from "../../services/friends.js";
import type { Groups } from "../../services/groups.js";
import type { History } from "../../services/history.js";
import type { Notifications } from "../../services/notifications.js";
import type { Handlers } from "./router.js";

/** The services the REST routes call. */
export interface RouteServices {
  authentication: Authentication;
  accounts: Accounts;
  history: History;
  notifications: Notifications;
  friends: Friends;
  groups: Groups;
  /** What the capabilities route answers; without it the route is not served (404), as on stock. */
  capabilities?: (() => CapabilitiesInit) | undefined;
  /** Why storage takes no writes now, if it cannot: the health check then fails with it. */
  storageFault?: (() => HeraldError | undefined) | undefined;
}

/**
 * Each REST route as a thin adapter onto the service that holds its rules: the router decodes
 * and authenticates, the service decides, the router encodes.
 */
export function routeHandlers(s: RouteServices): Handlers {
  const { authentication, accounts, history, notifications, friends, groups } = s;
  const handlers: Handlers = {
    healthcheck: () => {
      // A server that cannot store anything must not look healthy to a load balancer.
      const fault = s.storageFault?.();
      if (fault !== undefined) throw fault;
      return {};
    },
    authenticateDevice: (req) => authentication.authenticateDevice(req),
    authenticateCustom: (req) => authentication.authenticateCustom(req),
    authenticateEmail: (req) => authentication.authenticateEmail(req),
    sessionRefresh: (req) => authentication.sessionRefresh(req),
    sessionLogout: (req, caller) => authentication.sessionLogout(req, caller),
    getAccount: (req, caller) => accounts.getAccount(req, caller),
    updateAccount: (req, caller) => accounts.updateAccount(req, caller),
    getUsers: (req, caller) => accounts.getUsers(req, caller),
    listChannelMessages: (req, caller) => history.listChannelMessages(req, caller),
    listNotifications: (req, caller) => notifications.listNotifications(req, caller),
    deleteNotifications: (req, caller) => notifications.deleteNotifications(req, caller),
    listFriends: (req, caller) => friends.listFriends(req, caller),
    addFriends: (req, caller) => friends.addFriends(req, caller),
    blockFriends: (req, caller) => friends.blockFriends(req, caller),
    deleteFriends: (req, caller) => friends.deleteFriends(req, caller),
    listGroups: (req) => groups.listGroups(req),
    createGroup: (req, caller) => groups.createGroup(req, caller),
    updateGroup: (req, caller) => groups.updateGroup(req, caller),
    deleteGroup: (req, caller) => groups.deleteGroup(req, caller),
    joinGroup: (req, caller) => groups.joinGroup(req, caller),
    leaveGroup: (req, caller) => groups.leaveGroup(req, caller),
    addGroupUsers: (req, caller) => groups.addGroupUsers(req, caller),
    kickGroupUsers: (req, caller) => groups.kickGroupUsers(req, caller),
    promoteGroupUsers: (req, caller) => groups.promoteGroupUsers(req, caller),
    demoteGroupUsers: (req, caller) => groups.demoteGroupUsers(req, caller),
    banGroupUsers: (req, caller) => groups.banGroupUsers(req, caller),
    listGroupUsers: (req, caller) => groups.listGroupUsers(req, caller),
    listUserGroups: (req) => groups.listUserGroups(req),
  };
  if (s.capabilities !== undefined) {
    const capabilities = s.capabilities;
    handlers.getCapabilities = () => capabilities();
  }
  return handlers;
}
