// herald's own tests cut SDK connections with the test kit's wrapper, so that both are one code.
export type { CuttableWebSocket } from "../../src/testing/cuttable-websocket.js";
export { cuttableWebSocket } from "../../src/testing/cuttable-websocket.js";
