# Ventanilla: the taxpayer pages in English.

## Every page
site-name = Video assistance for taxpayers
language-selector = Language
accessibility-link = Accessibility statement
back-home = Back to the home page
request-again-link = Request video assistance

## Unknown page
not-found-title = Page not found
not-found-text = The address you used does not match any page of this site.

## Errors a taxpayer may see (by API error code)
error-invalid_state = This action is no longer possible: your request has changed. The page now shows its current state.
error-invalid_nif = The NIF/NIE you entered is not valid.
error-nif_required = Enter your NIF/NIE.
error-name_required = Enter your name.
error-contrast_required = Enter the verification date or data.
error-observations_too_long = Comments cannot be longer than 1000 characters.
error-representation_not_allowed = This service does not allow acting on someone else's behalf.
error-rate_limited = Too many requests in a row from this connection. Wait a minute and try again.
error-identity_not_verified = Your identity could not be verified: check the NIF/NIE and the verification date or data.
error-service_closed = The service is outside its opening hours.
error-service_closing = With the current queue, your attention would start after the service's closing time, and this service does not attend outside its hours. Please try another day.
error-already_waiting = You already have a video assistance request in progress for this service.
error-unknown_service = Choose a service.
error-not_found = The video assistance request cannot be found.
error-unauthenticated = The access saved in this browser is no longer valid for this request.
error-store_unavailable = The system is not available right now. Try again in a few seconds.
error-engine_unavailable = The system is not available right now. Try again in a few seconds.
error-meeting_provider_failed = The video call could not be prepared. Try again in a few seconds.
error-invalid_request = Check the details you entered.
error-network = The server could not be reached. Check your connection and try again.
error-unknown = An error occurred. Please try again.

## Join form (/contribuyente)
join-title = Video assistance request
join-intro = Fill in every field and press "Request video assistance": the first available operator of the service you choose will attend you by video call.
field-service = Service
choose-option = (Choose)
outside-hours = outside opening hours
field-nif = NIF/NIE (Spanish tax ID)
field-name = Name
field-contrast = Verification date or data
field-contrast-help = The data that lets us check your identity, for example the expiry date of your DNI.
join-submit = Request video assistance
hours-title = Opening hours of the services
no-operator = No operator is serving this service right now.
notice-closing-refused = With the current queue, anyone requesting now would be attended after today's closing time, and this service does not attend outside its hours: no new requests are accepted until the queue moves on.
notice-closing-warning = Notice: with the current queue, anyone requesting now would probably be attended after today's closing time. You can still request it: everyone already in the queue is attended.

## Ticket page (/contribuyente/{id})
ticket-title = Access to video assistance
no-access = The access to this request cannot be found in this browser. You can request it again:
ticket-expired = This request has ended and is no longer shown: ended requests are kept for a limited time. You can request it again:
access-replaced = This request was taken up from another browser or device, and the access saved in this one is no longer valid. Follow the request in the browser where you took it up.
waiting-heading = Your request is waiting
label-service = Service:
label-position = Position in the queue:
label-wait = Estimated waiting time:
label-nif = NIF:
label-name = Name:
label-operator = Operator:
label-id-number = Identification number:
wait-less-than-minute = less than 1 minute
wait-one-minute = about 1 minute
wait-minutes = about { $minutes } minutes
rise-operator-left = The estimated time has gone up because an operator has stopped serving this service.
rise-attention-running-long = The estimated time has gone up because one of the attentions in progress is taking longer than usual.
rise-other = The estimated time has gone up: the attentions in progress are taking longer.
notice-past-closing = By the current estimate, your attention would start after the service's closing time. Everyone already in the queue is attended, but you may have to wait beyond the opening hours. You can keep waiting or leave.
next-update = Next update in:
seconds-short = s
keep-open = Do not close this page: when an operator is assigned to you, the access to the video assistance will appear here.
presence-note = While this page is open you keep your turn, with no time limit. If you close it or lose the connection for more than { $absent } minutes, the next people are attended without you losing your place; if you do not come back within { $grace } more minutes, the request is considered abandoned.
connection-lost = The connection to the server has been lost. The page keeps trying by itself: if it reconnects within { $minutes } minutes, you keep your turn.
recording-notice-before = In accordance with Organic Law 3/2018 on the Protection of Personal Data and the Guarantee of Digital Rights, we inform you that the video call will be recorded. You can find more information on the AEAT website, in the section{" "}
recording-notice-link = Personal Data
recording-notice-after = {"."}
assigned = An operator has been assigned to you.
accept-instructions = If you agree with what this page describes, press 'Accept and join the video call' to start the conversation.
accept-button = Accept and join the video call
meeting-pending = You have accepted. The operator is preparing the video call: it will open in a new tab as soon as it is ready.
meeting-opened = The video call has opened in a new tab. If you do not see it, use this link:
meeting-link = Join the video call
meeting-opening = Opening the video call…
finished-text = The video assistance has ended. Thank you for using the service.
abandoned-own = You have left the video assistance.
abandoned-absent = Your request was considered abandoned because this page stopped answering for too long (it was closed, lost its connection or the device was locked).
abandon-button = Leave
abandon-observations = Comments (if you leave)
abandon-confirm = Do you want to leave the video assistance?
title-waiting = ({ $position }) Waiting - Access to video assistance
title-assigned = Operator assigned - Access to video assistance
title-accepted = Preparing the video call - Access to video assistance
title-meeting = Video call ready - Access to video assistance
title-finished = Ended - Access to video assistance
title-abandoned = Abandoned - Access to video assistance
title-no-access = No access - Access to video assistance
announce-assigned = An operator has been assigned to you. Press "Accept and join the video call" to start the conversation.
announce-meeting-opened = The video call has opened in a new tab.
announce-meeting-ready = The video call is ready: press "Join the video call".

## The demo meeting room, taxpayer side (/reunion/{id})
room-title = Video assistance room
room-about = Meeting { $id }: local meeting provider, for demonstrations (there is no video).
room-enter-hint = Enter the waiting room; the operator will admit you.
room-enter = Enter the waiting room
room-leave = Leave the meeting
room-open-from-link = Open the meeting from the link of your video assistance request.
room-wrong-link = This link does not belong to your video assistance request.
room-not-found-title = Meeting not found
room-not-found = There is no meeting "{ $id }".

## Accessibility statement (/accesibilidad)
a11y-title = Accessibility statement
a11y-intro = The Tax Agency is committed to making this video assistance site accessible, in accordance with Royal Decree 1112/2018 of 7 September on the accessibility of public sector websites and mobile applications. This statement applies to the taxpayer's pages: the request form, the request's page with the access to the video call, and this statement.
a11y-status-heading = Compliance status
a11y-status = These pages fully conform to level AA of the Web Content Accessibility Guidelines (WCAG) 2.1 and to the standard EN 301 549:2022, as far as it could be checked.
a11y-how-heading = How it was checked
a11y-how = By self-assessment: the project's automated tests open every state of every page (request form, errors, waiting, operator assigned, accepted, ended, abandoned, page not found and this statement), in the five languages, in headless Chromium, and run the axe-core tool on them (WCAG 2.0, 2.1 and 2.2 rules, levels A and AA): any failure found makes the tests fail. The same tests check that changes are announced to screen readers, that focus and typed text are kept when the page updates, and that the pages fit screens 320 pixels wide without horizontal scrolling.
a11y-time-heading = Time limits
a11y-time = No action of the taxpayer has a time limit while their request's page is open. If you close it or lose the connection for more than { $absent } minutes, the next people are attended without you losing your place; if you do not come back within { $grace } more minutes, the request is considered abandoned. The page warns you when it loses the connection.
a11y-limits-heading = Non-accessible content
a11y-limits = The video call takes place in the meeting provider's application (Zoom), whose accessibility does not depend on this site. The name and opening hours of each service are shown in Spanish.
a11y-contact-heading = Feedback and contact details
a11y-contact = You can report any accessibility problem, ask for information in an accessible format or complain about a failure to meet the requirements of Royal Decree 1112/2018 through the suggestions and complaints form of the Tax Agency's electronic office, mentioning "Accessibility of the video assistance".
a11y-complaint-heading = Enforcement procedure
a11y-complaint = If a request for accessible information or a complaint has been rejected, if you disagree with the decision taken, or if the answer does not meet the requirements of article 12 of Royal Decree 1112/2018, you may file a claim with the unit responsible for accessibility.
a11y-date-heading = Date of this statement
a11y-date = This statement was prepared on 1 December 2026 and is reviewed with every change to these pages.
a11y-contact-link = Electronic office: suggestions and complaints
