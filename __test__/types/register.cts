// `rshttp/register` from CommonJS: required for its effect, no exports.
require('rshttp/register');
import 'rshttp/register';
import http = require('node:http');
http.createServer().listen(0);
