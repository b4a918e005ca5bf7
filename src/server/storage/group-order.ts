/**
 * The filters of a group listing other than the name, as stock Nakama reads them: a language tag
 * ("" for any), a member count (see {@link groupOrder} for how it bounds), open or closed.
 */
export interface GroupFilters {
  langTag: string;
  members?: number | undefined;
  open?: boolean | undefined;
}

/** A column a group listing is ordered by. */
export type GroupOrderKey = "update_time" | "edge_count" | "lang_tag" | "id";

/** A column a group listing is filtered on: equal to the value, or at most the value. */
export interface GroupCondition {
  column: "open" | "lang_tag" | "edge_count";
  op: "=" | "<=";
  value: number | string;
}

/**
 * The order of a group listing: its conditions, the columns it is ordered by (the id last, so no
 * two groups tie) and whether it runs from the highest to the lowest. Each order has an index
 * leading with its equality conditions and then its keys, so a page is read from its cursor on.
 */
export interface GroupOrder {
  conditions: GroupCondition[];
  keys: GroupOrderKey[];
  descending: boolean;
}

/** Where a listing's page starts: the key values of the last group of the page before. */
export type GroupPosition = (number | string)[];

/**
 * Stock Nakama 3.26's order for each combination of filters (`ListGroups`):
 *
 * - none: least recently updated first (`update_time`, then the member count, then the id);
 * - open alone: the same, among open (or closed) groups;
 * - members alone (at most that many): the most members first, then the most recently updated;
 * - language alone: the fewest members first;
 * - language with members (at most), open with language, or all three: the most members first;
 * - open with members: exactly that many members, by language tag from the highest.
 *
 * A group's `update_time` moves when it is updated and whenever its member count changes.
 */
export function groupOrder(filters: GroupFilters): GroupOrder {
  const conditions: GroupCondition[] = [];
  const { langTag, members, open } = filters;
  if (open !== undefined) conditions.push({ column: "open", op: "=", value: open ? 1 : 0 });
  if (open !== undefined && langTag === "" && members !== undefined) {
    conditions.push({ column: "edge_count", op: "=", value: members });
    return { conditions, keys: ["lang_tag", "id"], descending: true };
  }
  if (langTag !== "") conditions.push({ column: "lang_tag", op: "=", value: langTag });
  if (members !== undefined) conditions.push({ column: "edge_count", op: "<=", value: members });
  if (langTag !== "") {
    return {
      conditions,
      keys: ["edge_count", "id"],
      descending: open !== undefined || members !== undefined,
    };
  }
  if (members !== undefined)
    return { conditions, keys: ["edge_count", "update_time", "id"], descending: true };
  return { conditions, keys: ["update_time", "edge_count", "id"], descending: false };
}

/**
 * The SQL of a page of `order` after `after` (if given): a WHERE clause and an ORDER BY, with
 * their parameters. `param(n)` is the n-th parameter's marker (1-based); `text(column)` is how the
 * engine names a text column so that it compares bytewise, as the indexes do.
 */
export function groupOrderSql(
  order: GroupOrder,
  after: GroupPosition | undefined,
  param: (n: number) => string,
  text: (column: string) => string,
): { where: string; orderBy: string; params: (number | string)[] } {
  const params: (number | string)[] = [];
  const column = (c: string) => (c === "lang_tag" || c === "id" ? text(c) : c);
  // A bound on the first key that the cursor's own position already keeps to is left out: with
  // two upper bounds on one column, an engine would seek by one and filter by the other, reading
  // every group before the cursor again.
  const implied = (c: GroupCondition) =>
    after !== undefined &&
    order.descending &&
    c.op === "<=" &&
    c.column === order.keys[0] &&
    typeof after[0] === "number" &&
    typeof c.value === "number" &&
    after[0] <= c.value;
  const clauses = order.conditions
    .filter((c) => !implied(c))
    .map((c) => {
      params.push(c.value);
      return `${column(c.column)} ${c.op} ${param(params.length)}`;
    });
  if (after !== undefined) {
    const markers = after.map((v) => {
      params.push(v);
      return param(params.length);
    });
    const cmp = order.descending ? "<" : ">";
    clauses.push(`(${order.keys.map(column).join(", ")}) ${cmp} (${markers.join(", ")})`);
  }
  const dir = order.descending ? " DESC" : "";
  return {
    where: clauses.length > 0 ? clauses.join(" AND ") : "1 = 1",
    orderBy: order.keys.map((k) => `${column(k)}${dir}`).join(", "),
    params,
  };
}

/** The position of `row` in `order`: the values of its keys. */
export function groupPosition(order: GroupOrder, row: Record<GroupOrderKey, number | string>): GroupPosition {
  return order.keys.map((k) => row[k]);
}
