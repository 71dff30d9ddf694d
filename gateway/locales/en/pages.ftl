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
