/** Core's LOG service: each write is one line, prefixed with the session label, cut at LOG_MAX. */
import { LOG_SESSION, RPC } from './abi';
import { CoreSession, type SessionFactory } from './core';
import type { CoreCall, CoreReply } from './kernel_objects';

export class LogSessionComponent extends CoreSession {
  readonly iface = LOG_SESSION;

  dispatch(call: CoreCall): CoreReply {
    return { result: RPC.OK, words: [this.core.logWrite(this.label, String(call.args.text), call.caller)] };
  }

  protected release(): void {}
}

export const createLogSession: SessionFactory = (core, label, args, payer) =>
  new LogSessionComponent(core, 'LOG', label, args, payer);
