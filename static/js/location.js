// "Use my location": a nicety on top of search forms that work without it.
//
// The browser's position is rounded to 2 decimals (about 1 km) here, before it
// leaves the browser, and sent only to this site, with the search, like a typed
// ZIP code. The results page names the nearest place ("Denver, CO") in its
// heading and in the box; the numbers are never shown, not even in the box while
// the next page loads (the search is sent from a copy of the form's fields).
//
// It is taken when the visitor presses "Use my location", types one of the words
// for "where I am" (the box's data-near-me, from directory/geo.py NEAR_ME), or,
// on the home page (data-locate-empty), searches with an empty box after having
// allowed this site their location before.
document.addEventListener("DOMContentLoaded", () => {
  if (!("geolocation" in navigator)) return;
  for (const box of document.querySelectorAll("[data-locate]")) {
    const form = box.closest("form");
    const near = form.elements.near;
    const status = box.querySelector("[data-locate-status]");
    const button = box.querySelector("[data-locate-button]");
    const nearMe = (near.dataset.nearMe || "").split("|").filter(Boolean);
    let allowed = false;

    const search = (latitude, longitude) => {
      const query = new URLSearchParams(new FormData(form));
      query.set("near", `${latitude.toFixed(2)},${longitude.toFixed(2)}`);
      query.delete("page");
      window.location.assign(`${form.action}?${query}`);
    };

    const locate = () => {
      box.hidden = false;
      status.textContent = box.dataset.finding;
      navigator.geolocation.getCurrentPosition(
        (position) => search(position.coords.latitude, position.coords.longitude),
        () => {
          status.textContent = box.dataset.failed;
          near.focus();
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 },
      );
    };

    if (button) {
      box.hidden = false;
      button.addEventListener("click", locate);
    }
    if ("locateEmpty" in box.dataset && navigator.permissions) {
      navigator.permissions
        .query({ name: "geolocation" })
        .then((permission) => {
          allowed = permission.state === "granted";
          permission.addEventListener("change", () => {
            allowed = permission.state === "granted";
          });
        })
        .catch(() => {});
    }
    form.addEventListener("submit", (event) => {
      const text = near.value.trim().toLowerCase().split(/\s+/).join(" ");
      if (nearMe.includes(text) || (text === "" && allowed)) {
        event.preventDefault();
        locate();
      }
    });
  }
});
