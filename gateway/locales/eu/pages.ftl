# Ventanilla: zergadunaren orriak euskaraz.

## Every page
site-name = Zergadunarentzako Bideolaguntza Sistema
language-selector = Hizkuntza
accessibility-link = Irisgarritasun-adierazpena
back-home = Hasierara itzuli
request-again-link = Bideolaguntza eskatu

## Unknown page
not-found-title = Ez da orria aurkitu
not-found-text = Adierazitako helbidea ez dagokio gune honetako inongo orriri.

## Errors a taxpayer may see (by API error code)
error-invalid_state = Ekintza hau jada ez da posible: zure eskaera aldatu egin da. Orriak haren egungo egoera erakusten du orain.
error-invalid_nif = Adierazitako IFZ/AIZ ez da baliozkoa.
error-nif_required = Adierazi zure IFZ/AIZ.
error-name_required = Adierazi zure izena.
error-contrast_required = Adierazi Egiaztatzeko data/datua.
error-observations_too_long = Oharrek ezin dituzte 1000 karaktere gainditu.
error-representation_not_allowed = Zerbitzu honek ez du ordezkaritzarik onartzen.
error-rate_limited = Eskaera gehiegi jarraian konexio honetatik. Itxaron minutu bat eta saiatu berriro.
error-identity_not_verified = Ezin izan da zure nortasuna egiaztatu: berrikusi IFZ/AIZ eta Egiaztatzeko data/datua.
error-service_closed = Zerbitzua ordutegitik kanpo dago.
error-service_closing = Egungo ilararekin, zure arreta zerbitzuaren itxiera-orduaren ondoren hasiko litzateke, eta zerbitzu honek ez du bere ordutegitik kanpo artatzen. Saiatu beste egun batean.
error-already_waiting = Baduzu bideolaguntza-eskaera bat abian zerbitzu honetarako.
error-unknown_service = Hautatu zerbitzu bat.
error-not_found = Ez da bideolaguntza-eskaera aurkitu.
error-unauthenticated = Nabigatzaile honetan gordetako sarbidea jada ez da baliozkoa eskaera honetarako.
error-store_unavailable = Sistema ez dago erabilgarri une honetan. Saiatu berriro segundo batzuk barru.
error-engine_unavailable = Sistema ez dago erabilgarri une honetan. Saiatu berriro segundo batzuk barru.
error-meeting_provider_failed = Ezin izan da bideokonferentzia prestatu. Saiatu berriro segundo batzuk barru.
error-invalid_request = Berrikusi sartutako datuak.
error-network = Ezin izan da zerbitzariarekin harremanetan jarri. Egiaztatu konexioa eta saiatu berriro.
error-unknown = Errore bat gertatu da. Saiatu berriro.
