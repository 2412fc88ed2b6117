// `rshttp/register` has no exports: requiring it redirects `http` to rshttp.
export {};
