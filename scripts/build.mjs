#!/usr/bin/env node
// Placeholder until the bundles land: type declarations only.
console.log("build: not yet");
