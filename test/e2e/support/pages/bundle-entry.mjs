// Bundled by Vite (minified IIFE, like an app build) in the e2e tests' setup.
import { io } from 'socket.io-client';
import { makeT } from './scenarios.mjs';
window.t = makeT(io);
window.tReady = true;
