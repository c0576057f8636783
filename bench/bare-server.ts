/** The baseline: a bare Express handler answering the callback path with 200 {"success":true}. */
import express from 'express';

const app = express();
app.get('/appdirect/events', (_req, res) => {
  res.json({ success: true });
});
app.get('/status', (_req, res) => {
  res.json({ status: 'ok' });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
