// Every page of a group listing, for the listing audits.

import assert from "node:assert/strict";
import type { Client, Group, Session } from "../../src/index.js";

/** The filters of a group listing other than the name. */
export type GroupFilters = { langTag?: string; members?: number; open?: boolean };

/** Every page of a listing, `limit` at a time, checking each page's size. */
export async function groupPages(
  client: Client,
  session: Session,
  filters: GroupFilters,
  limit: number,
): Promise<Group[]> {
  const groups: Group[] = [];
  let cursor = "";
  for (let n = 0; n < 10_000; n++) {
    const page = await client.listGroups(session, { ...filters, limit, ...(cursor ? { cursor } : {}) });
    assert.ok(page.groups.length <= limit);
    groups.push(...page.groups);
    if (!page.cursor) return groups;
    cursor = page.cursor;
  }
  throw new Error("the listing did not end");
}
