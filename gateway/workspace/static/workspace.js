// A tapped button is disabled at once, so a second tap does not even send the form again
// (the form's idempotency key already makes a resend one report).
document.addEventListener("submit", (event) => {
  const button = event.target.querySelector("button[type=submit]");
  if (button) {
    setTimeout(() => { button.disabled = true; }, 0);
  }
});
