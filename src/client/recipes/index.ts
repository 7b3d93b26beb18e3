export { Session, type SessionOptions } from './session.js';
export { lock, tryLock, LOCKS_PREFIX, type LockHandle, type LockOptions } from './lock.js';
export { Election, ELECTIONS_PREFIX, type CampaignOptions, type LeaderInfo, type Leadership } from './election.js';
