/**
 * Names the manifests and the scripts share. manifest/model.go renders the
 * same strings; manifest's Go tests read this file to check they agree.
 */

/** The OnMessageSend handler's name, registered with Office.actions.associate. */
export const SEND_HANDLER = "onMessageSendHandler";
/** The OnMessageRecipientsChanged handler's name (prefetches recipient history). */
export const RECIPIENTS_HANDLER = "onMessageRecipientsChangedHandler";
/** The task-pane button's id: the Smart Alerts dialog's commandId. */
export const REVIEW_BUTTON = "sendguardReviewButton";
/** The Smart Alerts dialog's action button text (at most 20 characters). */
export const REVIEW_LABEL = "Review";
/** Office limits a Smart Alerts message to 500 characters. */
export const MAX_ALERT_CHARS = 500;
/** Office takes at most 100 recipients per setAsync/addAsync call. */
export const MAX_RECIPIENTS_PER_CALL = 100;
