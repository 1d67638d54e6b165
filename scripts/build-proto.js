// Generates protobuf code from proto/*.proto before TypeScript compiles (generated code is built, not committed).
import { readdirSync, existsSync } from 'node:fs';

const protos = existsSync('proto') ? readdirSync('proto').filter((f) => f.endsWith('.proto')) : [];
if (protos.length === 0) process.exit(0);
console.error('build-proto: proto files exist but no generator is wired yet');
process.exit(1);
