/**
 * The utility process's entry (built to out/main/engine.js): the engine host serving the
 * MessagePorts the main process posts (`runEngineProcess` sees `process.parentPort`).
 */
import { runEngineProcess } from '../engine/host/engine_process';

void runEngineProcess();
