// Components that render a hook's result and record it for the test to read.
import { Component, type ReactNode, StrictMode } from "react";
import type { Client, Session } from "../../src/index.js";
import { HeraldProvider, type HeraldProviderProps } from "../../src/react/index.js";

/** What a probe saw: the latest value and every value, in render order. */
export interface Seen<T> {
  latest: T | undefined;
  all: T[];
}

export function seen<T>(): Seen<T> {
  return { latest: undefined, all: [] };
}

/** Calls `hook` while rendering and records its value; renders `view(value)` if given. */
export function Probe<T>(props: { hook: () => T; into: Seen<T>; view?: (value: T) => ReactNode }): ReactNode {
  const value = props.hook();
  props.into.latest = value;
  props.into.all.push(value);
  return props.view ? props.view(value) : null;
}

/** The provider, inside React's strict mode unless `strict` is false. */
export function App(
  props: { client: Client; session: Session; strict?: boolean; children?: ReactNode } & Omit<
    HeraldProviderProps,
    "client" | "session" | "children"
  >,
): ReactNode {
  const { strict = true, children, ...provider } = props;
  const tree = <HeraldProvider {...provider}>{children}</HeraldProvider>;
  return strict ? <StrictMode>{tree}</StrictMode> : tree;
}

/** Records what its children threw while rendering, and renders nothing instead. */
export class Catch extends Component<{ into: unknown[]; children?: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override componentDidCatch(error: unknown): void {
    this.props.into.push(error);
  }
  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}

/** A {@link Probe} element. */
export function probe<T>(hook: () => T, into: Seen<T>, view?: (value: T) => ReactNode): ReactNode {
  return view ? <Probe hook={hook} into={into} view={view} /> : <Probe hook={hook} into={into} />;
}
