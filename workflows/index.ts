// Everything exported here is registered as a workflow type by the worker's bundle.
export { welcomeUser } from './welcome-user';
export { order } from './order-workflow';
