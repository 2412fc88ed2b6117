// `rshttp/register` from an ES module (node --import rshttp/register).
import 'rshttp/register';
import { createServer } from 'node:http';
createServer().listen(0);
