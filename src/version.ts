export const APP_NAME = 'cancel-stockin';
export const APP_VERSION = '0.1.0';
export const USER_AGENT = `${APP_NAME}/${APP_VERSION} (+wdt-qjb; node ${process.versions.node})`;
