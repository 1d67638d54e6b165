export * from './molecule.js';
export * from './opcodes.js';
export * from './registers.js';
