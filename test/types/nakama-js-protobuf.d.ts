// @heroiclabs/nakama-js-protobuf ships declarations but its `exports` map does not point at them,
// so TypeScript cannot find them under NodeNext resolution. Tests and benchmarks use only this.
declare module "@heroiclabs/nakama-js-protobuf" {
  /** The stock protobuf WebSocket adapter for nakama-js's DefaultSocket. */
  export class WebSocketAdapterPb {
    constructor();
    isOpen(): boolean;
    close(): void;
    connect(scheme: string, host: string, port: string, createStatus: boolean, token: string): void;
    send(message: unknown): void;
  }
}
