/**
 * The runtime's stand-ins for a child's sessions (seed 002: "the runtime would create a session
 * ... in the child's name but hand out a capability [to a] locally implemented session
 * wrapper"). Each is a core-side RPC object with the interface of the session it stands for:
 * it forwards the request to the real session (the same call object, so nothing is encoded
 * twice) and notes in the {@link ComponentRuntime} what the answer means. They sit on every RPC
 * of the child, so the forwarding path is a few property reads; only the operations that
 * create or destroy something do more.
 *
 * This module holds the common base, the generic pass-through (IO_MEM, IO_PORT, IRQ, TRACE:
 * re-opened on restore, no state carried but the dataspace IO_MEM hands out) and LOG
 * (nothing to note but the label).
 */
import { RPC, type RpcInterface } from '../abi';
import type { CoreSession } from '../core';
import { RpcObject, type CoreCall, type CoreReply, type CoreServer, type KObject } from '../kernel_objects';
import type { ComponentRuntime } from './component_runtime';

/** An object the runtime hands to its child in place of `target()`. */
export abstract class RuntimeObject implements CoreServer {
  abstract readonly iface: RpcInterface;
  /** This object as a capability (what the child holds). */
  obj!: RpcObject;

  /** The object this one stands for (what the servers behind expect). */
  abstract target(): RpcObject;
  abstract describe(): string;
  abstract dispatch(call: CoreCall): CoreReply | 'defer';
}

/**
 * Replaces the runtime's objects among a call's capability arguments by the objects they stand
 * for. Returns the arguments as the child passed them (the call then carries a copy).
 */
export function unwrapCaps(call: CoreCall): Record<string, KObject | null> {
  const given = call.caps;
  let real: Record<string, KObject | null> | null = null;
  for (const k in given) {
    const o = given[k];
    if (o instanceof RpcObject && o.core instanceof RuntimeObject) {
      real ??= { ...given };
      real[k] = o.core.target();
    }
  }
  if (real !== null) call.caps = real;
  return given;
}

/**
 * A session of the child, opened by the runtime in its name: the record of what it is (service,
 * labels, arguments, quota) and the stand-in object the child calls.
 */
export class VirtualSession extends RuntimeObject {
  /** The interface of the session it stands for. */
  readonly iface: RpcInterface;

  constructor(
    readonly rt: ComponentRuntime,
    /** The runtime's record number. */
    readonly id: number,
    /** The real session (core's). */
    readonly session: CoreSession,
    /** The session arguments as the child sent them (for an environment session: init's). */
    readonly args: string,
    /** The affinity the child asked for. */
    readonly affinity: readonly [number, number],
    /** Quota the session was donated, upgrades included. */
    public ram: number,
    public caps: number,
    /** An environment session (PD, CPU, LOG) init opened for the child rather than one it asked for. */
    readonly env: boolean,
  ) {
    super();
    this.iface = session.iface;
  }

  get service(): string {
    return this.session.service;
  }

  /** The label the server sees ("init -> counter"). */
  get label(): string {
    return this.session.label;
  }

  target(): RpcObject {
    return this.session.obj;
  }

  describe(): string {
    return `${this.session.describe()} (through the runtime)`;
  }

  dispatch(call: CoreCall): CoreReply | 'defer' {
    unwrapCaps(call);
    const r = this.session.dispatch(call);
    // IO_MEM hands out its dataspace like ROM does: the runtime must know what it is.
    if (call.op === 'dataspace' && r !== 'defer' && r.result === RPC.OK) {
      const ds = this.rt.core.dataspaceOf(r.caps?.[0] ?? null);
      if (ds) this.rt.noteHanded(this, ds);
    }
    return r;
  }
}

/** LOG: each write goes straight through; the label is all there is to know. */
export class VirtualLogSession extends VirtualSession {
  override dispatch(call: CoreCall): CoreReply | 'defer' {
    return this.session.dispatch(call);
  }
}
