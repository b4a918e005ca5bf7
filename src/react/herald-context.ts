import { createContext, useContext } from "react";
import { HeraldError } from "../errors.js";
import type { HeraldConnection } from "./herald-connection.js";

/** The connection of the nearest `HeraldProvider`. */
export const HeraldContext = createContext<HeraldConnection | undefined>(undefined);

/** The nearest provider's connection; throws (during render) outside of one. */
export function useHeraldConnection(hook: string): HeraldConnection {
  const connection = useContext(HeraldContext);
  if (!connection) throw new HeraldError("bad_input", `${hook}() must be called inside a <HeraldProvider>`);
  return connection;
}
