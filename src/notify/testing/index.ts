/**
 * @module notify/testing
 * The conformance suite every Channel kind passes (`runChannelConformance`), and the real receivers it runs
 * against: an SMTP server (npm smtp-server) and an HTTP server, both in-process on 127.0.0.1.
 */
export { runChannelConformance, failedEvent } from './conformance.js';
export type { ChannelTarget } from './conformance.js';
export { HttpReceiver } from './http-receiver.js';
export type { ReceivedRequest } from './http-receiver.js';
export { SmtpReceiver, REFUSED_PREFIX } from './smtp-receiver.js';
export type { ReceivedMail, SmtpReceiverOptions } from './smtp-receiver.js';
export { decodeMail } from './mail-decode.js';
