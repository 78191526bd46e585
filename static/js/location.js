// "Use my location" on the home page: a nicety on top of a form that works
// without it. The browser's position fills the place box as "lat,lng" and is
// sent only to this site, with the search, like a typed ZIP code.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-locate]");
  if (!box || !("geolocation" in navigator)) return;
  const button = box.querySelector("[data-locate-button]");
  const status = box.querySelector("[data-locate-status]");
  const form = box.closest("form");
  box.hidden = false;
  button.addEventListener("click", () => {
    status.textContent = box.dataset.finding || "Finding your location…";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude } = position.coords;
        form.elements.near.value = `${latitude.toFixed(4)},${longitude.toFixed(4)}`;
        form.submit();
      },
      () => {
        status.textContent = box.dataset.failed || "We couldn't get your location. Type your ZIP code or city instead.";
        form.elements.near.focus();
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 },
    );
  });
});
