/**
 * The names snapshots give the engine's classes, functions and constants: every export of the
 * kernel, core and init modules, as `module.Export`. Names come from this table, not from
 * `constructor.name`, so they survive minification, and a class two modules both call
 * `Builder` stays two classes.
 */
import * as abi from '../core/abi';
import * as cmosRtc from '../core/cmos_rtc';
import * as core from '../core/core';
import * as cpuSession from '../core/cpu_session_component';
import * as initConfig from '../core/init/config';
import * as init from '../core/init/init';
import * as ioMem from '../core/io_mem_session_component';
import * as ioPortBus from '../core/io_port_bus';
import * as ioPortSession from '../core/io_port_session_component';
import * as irq from '../core/irq_session_component';
import * as kernel from '../core/kernel';
import * as kernelObjects from '../core/kernel_objects';
import * as logSession from '../core/log_session_component';
import * as pdSession from '../core/pd_session_component';
import * as rangeAlloc from '../core/range_alloc';
import * as regionMap from '../core/region_map_component';
import * as rmSession from '../core/rm_session_component';
import * as romSession from '../core/rom_session_component';
import * as componentRuntime from '../core/runtime/component_runtime';
import * as virtualCpuSession from '../core/runtime/virtual_cpu_session';
import * as virtualIrqSession from '../core/runtime/virtual_irq_session';
import * as virtualParent from '../core/runtime/virtual_parent';
import * as virtualPdSession from '../core/runtime/virtual_pd_session';
import * as virtualRegionMap from '../core/runtime/virtual_region_map';
import * as virtualRmSession from '../core/runtime/virtual_rm_session';
import * as virtualRomSession from '../core/runtime/virtual_rom_session';
import * as virtualSession from '../core/runtime/virtual_session';
import * as virtualTimerSession from '../core/runtime/virtual_timer_session';
import * as services from '../core/services';
import * as sessionArgs from '../core/session_args';
import * as timer from '../core/timer_session_component';
import * as trace from '../core/trace';
import * as traceSession from '../core/trace_session_component';
import type { GraphSchema } from './graph';

const MODULES: Record<string, Record<string, unknown>> = {
  abi,
  cmosRtc,
  componentRuntime,
  core,
  cpuSession,
  initConfig,
  init,
  ioMem,
  ioPortBus,
  ioPortSession,
  irq,
  kernel,
  kernelObjects,
  logSession,
  pdSession,
  rangeAlloc,
  regionMap,
  rmSession,
  romSession,
  services,
  sessionArgs,
  timer,
  trace,
  traceSession,
  // The checkpointing runtime (its stand-ins are in the capability spaces of its children).
  virtualCpuSession,
  virtualIrqSession,
  virtualParent,
  virtualPdSession,
  virtualRegionMap,
  virtualRmSession,
  virtualRomSession,
  virtualSession,
  virtualTimerSession,
};

function build(): GraphSchema {
  const classes = new Map<string, abstract new (...a: never[]) => unknown>();
  const functions = new Map<string, unknown>();
  const constants = new Map<string, object>();
  for (const [mod, exports] of Object.entries(MODULES)) {
    for (const [name, v] of Object.entries(exports)) {
      const key = `${mod}.${name}`;
      if (typeof v === 'function') {
        functions.set(key, v);
        if (v.prototype) classes.set(key, v as abstract new (...a: never[]) => unknown);
      } else if (typeof v === 'object' && v !== null) {
        constants.set(key, v);
      }
    }
  }
  // The RPC interface tables (abi.PARENT...) are exported; their op tables are reached
  // through them and so keep their identity too.
  return {
    classes,
    functions,
    constants,
    hooks: new Map<string, Record<string, unknown>>([
      // Installed by the host and the debugger; a loaded system gets its own.
      ['core.Core', { onLog: null }],
      ['kernel.Kernel', { afterSyscall: null, onDebugStep: null, onMapChange: null }],
      // A closure over the kernel's clock, wired again by Core.wireClock after a load.
      ['cmosRtc.CmosRtc', { nowSeconds: null }],
      // The debugger's trace listener.
      ['trace.TraceBuffer', { listener: null }],
    ]),
    // One per mapped page: 20 MiB of RAM in use is 5,000 of them.
    packed: new Map([['kernelObjects.PageMapping', { fields: ['pd', 'vpage', 'phys', 'via'], inline: ['via'] }]]),
  };
}

export const ENGINE_SCHEMA: GraphSchema = build();
