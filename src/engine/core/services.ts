/** Registers core's services by name (the names init's configurations route to). */
import type { Core } from './core';
import { createCpuSession } from './cpu_session_component';
import { createIoMemSession } from './io_mem_session_component';
import { createIoPortSession } from './io_port_session_component';
import { createIrqSession } from './irq_session_component';
import { createLogSession } from './log_session_component';
import { createPdSession } from './pd_session_component';
import { createRmSession } from './rm_session_component';
import { createRomSession } from './rom_session_component';
import { createTimerSession } from './timer_session_component';
import { createTraceSession } from './trace_session_component';

export const CORE_SERVICES = ['PD', 'CPU', 'RM', 'ROM', 'LOG', 'IO_MEM', 'IO_PORT', 'IRQ', 'TRACE', 'Timer'] as const;

export function registerCoreServices(core: Core): void {
  core.services.set('PD', createPdSession);
  core.services.set('CPU', createCpuSession);
  core.services.set('RM', createRmSession);
  core.services.set('ROM', createRomSession);
  core.services.set('LOG', createLogSession);
  core.services.set('IO_MEM', createIoMemSession);
  core.services.set('IO_PORT', createIoPortSession);
  core.services.set('IRQ', createIrqSession);
  core.services.set('TRACE', createTraceSession);
  core.services.set('Timer', createTimerSession);
}
