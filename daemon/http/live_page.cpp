// The live page: see live_page.hpp.
#include "http/live_page.hpp"

namespace camstream {
namespace {

// Browser quirks the script works around:
// - When a multipart MJPEG stream ends, some browsers fire the <img>'s error
//   event and some just keep the last picture; so the picture is retried on
//   error, and also whenever /healthz comes back after a failure.
// - The query string makes the browser open a new connection instead of
//   reusing its cached (ended) response.
constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>camstream</title>
<style>
  html, body { margin: 0; background: #111; color: #ddd; font: 15px/1.4 system-ui, sans-serif; }
  main { max-width: 1280px; margin: 0 auto; padding: 8px; }
  img { display: block; max-width: 100%; height: auto; margin: 0 auto; background: #000; }
  #status { margin: 8px 0; text-align: center; }
  #sound { display: none; margin: 0 auto; padding: 4px 12px; background: #333; color: #ddd; border: 1px solid #555; border-radius: 4px; font: inherit; cursor: pointer; }
  #lost { display: none; margin: 8px 0; padding: 6px; text-align: center; background: #611; color: #fff; font-weight: bold; }
</style>
</head>
<body>
<main>
  <img id="live" src="stream" alt="live camera">
  <div id="lost"></div>
  <div id="status">connecting&hellip;</div>
  <div style="text-align: center"><button id="sound" type="button" aria-pressed="false">&#128263; sound off</button></div>
  <audio id="audio" preload="none"></audio>
</main>
<script>
"use strict";
const picture = document.getElementById("live");
const banner = document.getElementById("lost");
const summary = document.getElementById("status");
let failing = false;
// With access control on, the page was opened as /?token=... or /?ticket=...: its stream needs the same.
const params = new URLSearchParams(location.search);
const token = params.get("ticket") || params.get("token");
const tokenQuery = token ? "token=" + encodeURIComponent(token) + "&" : "";
if (token) picture.src = "stream?" + tokenQuery.slice(0, -1);

function reloadPicture() {
  picture.src = "stream?" + tokenQuery + "t=" + Date.now();
}

picture.addEventListener("error", () => setTimeout(reloadPicture, 2000));

// Sound starts only on a click (browsers refuse to play before one), and
// stopping it closes /audio, so a muted page costs the camera nothing.
const sound = document.getElementById("sound");
const audio = document.getElementById("audio");
let soundOn = false;
function setSound(on) {
  soundOn = on;
  sound.setAttribute("aria-pressed", String(on));
  sound.innerHTML = on ? "&#128266; sound on" : "&#128263; sound off";
  if (on) {
    audio.src = "audio?" + tokenQuery + "t=" + Date.now();
    audio.play().catch(() => setSound(false));
  } else {
    audio.pause();
    audio.removeAttribute("src");
    audio.load();
  }
}
sound.addEventListener("click", () => setSound(!soundOn));
// A live stream that ends (the camera restarted) is picked up again.
audio.addEventListener("ended", () => { if (soundOn) setSound(true); });
audio.addEventListener("error", () => { if (soundOn) setTimeout(() => { if (soundOn) setSound(true); }, 2000); });

function showProblem(text) {
  banner.textContent = text;
  banner.style.display = "block";
  failing = true;
}

async function refresh() {
  try {
    const response = await fetch("healthz", { cache: "no-store" });
    const health = await response.json();
    const fps = typeof health.fps === "number" ? Math.round(health.fps * 10) / 10 : "?";
    const viewers = health.viewers === 1 ? "1 viewer" : health.viewers + " viewers";
    summary.textContent = health.width + "\u00d7" + health.height + " \u00b7 " + fps + " fps \u00b7 " + viewers
    if (health.status === "starting") summary.textContent += " \u00b7 camera starting";
    sound.style.display = health.audio && health.audio !== "none" ? "inline-block" : "none";
    if (health.audio === "lost") summary.textContent += " \u00b7 microphone lost";
    if (health.status === "unhealthy") {
      showProblem("camera lost" + (health.reason ? " (" + health.reason + ")" : ""));
    } else {
      banner.style.display = "none";
      if (failing) reloadPicture();
      failing = false;
    }
  } catch (e) {
    showProblem("camera unreachable");
  }
}

refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
)html";

}  // namespace

std::string_view live_page_html() { return kPage; }

}  // namespace camstream
