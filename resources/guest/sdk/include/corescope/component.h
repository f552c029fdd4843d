/* corescope/component.h -- everything a component needs, in one include. */
#ifndef CORESCOPE_COMPONENT_H
#define CORESCOPE_COMPONENT_H

#include <corescope/abi.h>
#include <corescope/libc.h>
#include <corescope/syscall.h>
#include <corescope/utcb.h>
#include <corescope/rpc.h>
#include <corescope/env.h>
#include <corescope/entrypoint.h>
#include <corescope/root.h>
#include <corescope/heap.h>
#include <corescope/log.h>
#include <corescope/parent.h>
#include <corescope/pd_session.h>
#include <corescope/dataspace.h>
#include <corescope/region_map.h>
#include <corescope/rm_session.h>
#include <corescope/rom_session.h>
#include <corescope/cpu_session.h>
#include <corescope/cpu_thread.h>
#include <corescope/log_session.h>
#include <corescope/timer_session.h>
#include <corescope/io_mem_session.h>
#include <corescope/io_port_session.h>
#include <corescope/irq_session.h>
#include <corescope/trace_session.h>
#include <corescope/thread.h>
#include <corescope/config.h>

#endif /* CORESCOPE_COMPONENT_H */
