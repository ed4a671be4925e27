// The CronJob controller (pkg/controller/cronjob) and its cron schedules.
export { CronJobController, newCronJobController, type CronJobObject } from './controller.js';
export { formatRfc3339, isParseError, loadZone, parseSchedule, type CronSchedule, type ParseResult, type TimeZone } from './cron.js';
export { SCHEDULED_TIMESTAMP_ANNOTATION, jobName, mostRecentScheduleTime, nextScheduleDelay } from './schedule.js';
