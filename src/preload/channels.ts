/** The IPC channel names main and preload agree on (nothing else crosses between them). */
export const IPC = {
  connectEngine: 'corescope:connect-engine',
  restartEngine: 'corescope:restart-engine',
  initialScenario: 'corescope:initial-scenario',
  chooseScenario: 'corescope:choose-scenario',
  chooseSnapshot: 'corescope:choose-snapshot',
  scenarioOpened: 'corescope:scenario-opened',
  /** main → renderer: the renderer's end of a new engine channel. */
  enginePort: 'corescope:engine-port',
  menu: 'corescope:menu',
  openScenario: 'corescope:open-scenario',
  engineDied: 'corescope:engine-died',
} as const;

/** The window message the preload posts to hand the engine port to the page. */
export const ENGINE_PORT_MESSAGE = 'engine-port';
