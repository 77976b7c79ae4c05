-- API Pix pull: the end of the last window pulled for a source. $1 source.
SELECT extract(epoch FROM max(window_end))::bigint FROM pix_api_windows WHERE source = $1
