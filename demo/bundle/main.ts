// Fixture app bundled by Vite/rolldown into one minified file (demo/public/fixtures/bundle/),
// the way production apps ship socket.io-client (build/esm, inlined and minified).
import { io } from 'socket.io-client';
import { makeDemo } from '../public/fixtures/scenarios.js';

const demo = makeDemo(io, location.origin);
const w = window as any;
w.demo = demo;
w.demoReady = Promise.resolve(demo);
document.documentElement.dataset.demo = 'bundle';
