import type { RouteSpec } from "../gen/routes.js";
import type { MessageName } from "../gen/schema.js";
import { messageInfo } from "./schema.js";

// The generated route table holds one line of text per route rather than an object: every browser
// bundle carries all routes, and the parts that follow from the proto (path parameters, query
// parameters) are derived here instead of being spelled out for each.

/**
 * The routes of the generated table: `"METHOD path body auth Request Response"` per route, with
 * body `-` for none. Path parameters are the path's `{...}` segments; unless the whole request is
 * the body, query parameters are the request's other fields, in field-number order.
 */
export function readRoutes<N extends string>(table: Readonly<Record<N, string>>): Record<N, RouteSpec> {
  const routes = {} as Record<N, RouteSpec>;
  for (const name in table) {
    const [method, path = "", rawBody = "-", auth, request, response] = table[name].split(" ") as [
      RouteSpec["method"],
      string?,
      string?,
      RouteSpec["auth"]?,
      MessageName?,
      MessageName?,
    ];
    const body = rawBody === "-" ? "" : rawBody;
    const pathParams = Array.from(path.matchAll(/\{(\w+)\}/g), (match) => match[1] as string);
    const query =
      body === "*"
        ? []
        : messageInfo(request as MessageName)
            .fields.map((field) => field.name)
            .filter((field) => field !== body && !pathParams.includes(field));
    routes[name] = {
      method,
      path,
      pathParams,
      query,
      body,
      auth: auth as RouteSpec["auth"],
      request: request as MessageName,
      response: response as MessageName,
    };
  }
  return routes;
}
