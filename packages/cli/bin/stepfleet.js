#!/usr/bin/env node
// The package's `exports` picks src/main.ts (condition stepfleet-source) or dist/main.js.
import 'stepfleet/main';
