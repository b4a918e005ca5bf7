import type { RouteName, RouteTypes } from "../../gen/routes.js";

/** The decoded request of a REST route, as a service method takes it. */
export type RequestOf<N extends RouteName> = RouteTypes[N]["decoded"];

/** The response of a REST route, as a service method returns it. */
export type ResponseOf<N extends RouteName> = RouteTypes[N]["responseInit"];
