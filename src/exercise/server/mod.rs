//! The exercise room in the browser (`downtime exercise --serve`): an axum server on tokio with
//! a room view for the projector, a facilitator view and a view per team, rendered from
//! minijinja templates and assets embedded in the binary (nothing from the internet), kept live
//! with server-sent events. Every change goes through the [`Session`], which saves itself to
//! the session folder, so a killed server resumes with `--resume DIR`.
//!
//! Who may do what: on loopback with no `--listen`, anyone on this machine may open every page.
//! With `--listen ADDR` every page needs the session's join code (`?code=`), the facilitator's
//! controls a separate secret (`&key=`), and each team's actions its own token (`&token=`), so
//! one team cannot act as another. Missing or wrong join codes answer 401, a missing or wrong
//! secret or token 403. Request bodies, texts, open event streams and concurrent requests are
//! bounded.

mod view;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::Environment;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, watch};
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::WatchStream;

use super::session::{Session, Step};
use super::store::Store;
use crate::error::Error;
use crate::report;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 16 * 1024;
/// Most event streams open at once (one per open page).
pub const MAX_STREAMS: usize = 200;
/// Most requests handled at once (event streams aside).
pub const MAX_REQUESTS: usize = 64;
/// The address served when no `--listen` is given.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// Where to listen and whether codes are required.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    /// Every page needs the join code, the controls the facilitator's secret, each team its
    /// token: on whenever `--listen` is given.
    pub secured: bool,
}

impl ServeOptions {
    /// `--listen ADDR` (`HOST:PORT`, or a port alone on every address).
    pub fn parse(listen: Option<&str>) -> Result<ServeOptions, Error> {
        let Some(s) = listen else { return Ok(ServeOptions { addr: DEFAULT_ADDR, secured: false }) };
        let addr = if let Ok(port) = s.parse::<u16>() {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)
        } else {
            s.parse::<SocketAddr>().map_err(|_| {
                Error::Usage(format!(
                    "--listen `{s}` is not an address; give HOST:PORT such as 0.0.0.0:8080 or 192.168.1.20:8080"
                ))
            })?
        };
        Ok(ServeOptions { addr, secured: true })
    }
}

/// The session's codes: kept in the session folder so a resumed room keeps its addresses.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Codes {
    /// Needed on every page (a short code to type on a phone).
    pub join: String,
    /// Needed for the facilitator's controls.
    pub facilitator: String,
    /// Each team's token, by team id.
    pub teams: BTreeMap<String, String>,
}

impl Codes {
    fn new(teams: &[super::session::Team]) -> Codes {
        Codes {
            join: secret(6, b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
            facilitator: secret(24, b"abcdefghijkmnopqrstuvwxyz23456789"),
            teams: teams.iter().map(|t| (t.id.clone(), secret(12, b"abcdefghijkmnopqrstuvwxyz23456789"))).collect(),
        }
    }
}

/// A random code of `n` characters from `alphabet` (the operating system's randomness through
/// rand's thread generator; never part of the model).
fn secret(n: usize, alphabet: &[u8]) -> String {
    use rand::RngExt as _;
    let mut rng = rand::rng();
    (0..n).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect()
}

/// Compare two secrets in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The running room.
pub(crate) struct Live {
    pub session: Session,
    /// The end's outcome: the summary table, or why writing failed.
    pub ended: Option<Result<String, String>>,
}

struct Shared {
    live: Mutex<Live>,
    changed: watch::Sender<u64>,
    codes: Codes,
    secured: bool,
    out: PathBuf,
    env: Environment<'static>,
    streams: Arc<Semaphore>,
    requests: Arc<Semaphore>,
}

type App = Arc<Shared>;

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    fn render(&self, name: &str, ctx: &view::View) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx)))) {
            Ok(html) => {
                let mut r = Html(html).into_response();
                r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            }
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template {name}: {e}")).into_response(),
        }
    }
}

/// The codes a request carries in its query string.
#[derive(Debug, Default, Deserialize)]
struct Auth {
    code: Option<String>,
    key: Option<String>,
    token: Option<String>,
    /// The provider whose state the facilitator looks at.
    provider: Option<String>,
}

/// Who a request may act as.
enum Who {
    Viewer,
    Facilitator,
}

/// A request refused for want of a code.
struct Denied(StatusCode, &'static str);

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        refuse(self.0, self.1)
    }
}

fn refuse(status: StatusCode, text: &str) -> Response {
    (status, format!("{text}\n")).into_response()
}

impl Shared {
    fn join(&self, a: &Auth) -> Result<(), Denied> {
        if !self.secured || a.code.as_deref().is_some_and(|c| same(c.trim().to_uppercase().as_str(), &self.codes.join))
        {
            Ok(())
        } else {
            Err(Denied(
                StatusCode::UNAUTHORIZED,
                "this room needs its join code: open the address the facilitator gave",
            ))
        }
    }

    fn facilitator(&self, a: &Auth) -> Result<(), Denied> {
        self.join(a)?;
        if !self.secured || a.key.as_deref().is_some_and(|k| same(k, &self.codes.facilitator)) {
            Ok(())
        } else {
            Err(Denied(StatusCode::FORBIDDEN, "the facilitator's controls need the facilitator's secret"))
        }
    }

    fn team(&self, a: &Auth, team: &str) -> Result<(), Denied> {
        self.join(a)?;
        let Some(token) = self.codes.teams.get(team) else {
            return Err(Denied(StatusCode::NOT_FOUND, "no such team"));
        };
        if !self.secured || a.token.as_deref().is_some_and(|t| same(t, token)) {
            Ok(())
        } else {
            Err(Denied(StatusCode::FORBIDDEN, "this team's page needs the team's own address"))
        }
    }

    /// The codes a viewer's links carry, as (name, value) pairs.
    fn auth_fields(&self, who: &Who, team: Option<&str>) -> Vec<(String, String)> {
        let mut v = Vec::new();
        if self.secured {
            v.push(("code".to_string(), self.codes.join.clone()));
            if let Who::Facilitator = who {
                v.push(("key".to_string(), self.codes.facilitator.clone()));
            }
            if let Some(t) = team.and_then(|t| self.codes.teams.get(t)) {
                v.push(("token".to_string(), t.clone()));
            }
        }
        v
    }

    /// The query string a viewer's links carry.
    fn qs(&self, who: &Who, team: Option<&str>) -> String {
        if !self.secured {
            return String::new();
        }
        let mut q = format!("?code={}", self.codes.join);
        if let Who::Facilitator = who {
            q.push_str(&format!("&key={}", self.codes.facilitator));
        }
        if let Some(t) = team.and_then(|t| self.codes.teams.get(t)) {
            q.push_str(&format!("&token={t}"));
        }
        q
    }
}

/// Serve the room until Ctrl-C; returns the text to print at the end.
pub fn serve(session: Session, out: PathBuf, options: ServeOptions) -> Result<String, Error> {
    let store = Store::new(&out);
    let codes = match store.load_codes::<Codes>() {
        Some(c) if session.rec.teams.iter().all(|t| c.teams.contains_key(&t.id)) => c,
        _ => {
            let c = Codes::new(&session.rec.teams);
            store.save_codes(&c)?;
            c
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Write { path: "the server's runtime".into(), source: e })?;
    runtime.block_on(run(session, out, options, codes))
}

async fn run(session: Session, out: PathBuf, options: ServeOptions, codes: Codes) -> Result<String, Error> {
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| Error::Usage(format!("cannot listen on {}: {e}; choose another with --listen", options.addr)))?;
    let addr = listener.local_addr().map_err(|e| Error::Write { path: "the listening socket".into(), source: e })?;
    let title = session.scenario().title.clone();
    let teams = session.rec.teams.clone();
    let (changed, _) = watch::channel(0u64);
    let app: App = Arc::new(Shared {
        live: Mutex::new(Live { session, ended: None }),
        changed,
        codes,
        secured: options.secured,
        out: out.clone(),
        env: view::environment(),
        streams: Arc::new(Semaphore::new(MAX_STREAMS)),
        requests: Arc::new(Semaphore::new(MAX_REQUESTS)),
    });

    let host = if addr.ip().is_unspecified() { "THIS-MACHINE".to_string() } else { addr.ip().to_string() };
    let base = match addr {
        SocketAddr::V6(_) if !addr.ip().is_unspecified() => format!("http://[{host}]:{}", addr.port()),
        _ => format!("http://{host}:{}", addr.port()),
    };
    let mut intro = format!("downtime exercise room: {title}\n");
    intro.push_str(&format!("  room view (projector):   {base}/room{}\n", app.qs(&Who::Viewer, None)));
    intro.push_str(&format!("  facilitator (keep safe): {base}/facilitator{}\n", app.qs(&Who::Facilitator, None)));
    for t in &teams {
        intro.push_str(&format!(
            "  team {:<19}{base}/team/{}{}\n",
            format!("{}:", t.name),
            t.id,
            app.qs(&Who::Viewer, Some(&t.id))
        ));
    }
    if app.secured {
        intro.push_str(&format!("  join code: {}\n", app.codes.join));
    }
    if addr.ip().is_unspecified() {
        intro.push_str("  (THIS-MACHINE: this computer's address on the room's network)\n");
    }
    let listen = if app.secured { format!(" --listen {}", options.addr) } else { String::new() };
    intro.push_str(&format!(
        "  The session is saved in {0} as it goes; Ctrl-C stops the server, `downtime exercise --resume {0} --serve{listen}` continues.\n",
        out.display(),
    ));
    print!("{intro}");

    let router = Router::new()
        .route("/", get(index))
        .route("/room", get(room_page))
        .route("/facilitator", get(facilitator_page))
        .route("/team/{team}", get(team_page))
        .route("/live/room", get(room_live))
        .route("/live/facilitator", get(facilitator_live))
        .route("/live/team/{team}", get(team_live))
        .route("/events", get(events))
        .route("/api/state", get(state))
        .route("/report", get(report_page))
        .route("/cards", get(cards_page))
        .route("/assets/app.css", get(|| async { asset("text/css", view::CSS) }))
        .route("/assets/app.js", get(|| async { asset("text/javascript", view::JS) }))
        .route("/api/step", post(step))
        .route("/api/back", post(back))
        .route("/api/decide", post(decide))
        .route("/api/observe", post(observe))
        .route("/api/hotwash", post(hotwash))
        .route("/api/end", post(end))
        .route("/api/answer/{team}", post(answer))
        .route("/api/vote/{team}", post(vote))
        .layer(middleware::from_fn_with_state(app.clone(), limit))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app.clone());
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::Write { path: "the server".into(), source: e })?;
    let live = app.lock();
    Ok(match &live.ended {
        Some(Ok(table)) => format!("{table}wrote {}\n", out.display()),
        _ => format!("stopped; the session is saved in {0}: `downtime exercise --resume {0} --serve`\n", out.display()),
    })
}

/// Bound the requests handled at once (event streams hold their own permit).
async fn limit(State(app): State<App>, req: Request, next: Next) -> Response {
    if req.uri().path() == "/events" {
        return next.run(req).await;
    }
    let Ok(_permit) = app.requests.clone().try_acquire_owned() else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "the room is busy; try again");
    };
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    r
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "max-age=3600")], body).into_response()
}

async fn index(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    if let Err(r) = app.join(&a) {
        return r.into_response();
    }
    let facilitator = app.facilitator(&a).is_ok();
    let live = app.lock();
    let v = view::index(&app, &live, facilitator);
    app.render("index.html", &v)
}

async fn room_page(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    page(&app, &a, view::Kind::Room, None)
}
async fn room_live(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    fragment(&app, &a, view::Kind::Room, None)
}
async fn facilitator_page(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    page(&app, &a, view::Kind::Facilitator, None)
}
async fn facilitator_live(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    fragment(&app, &a, view::Kind::Facilitator, None)
}
async fn team_page(State(app): State<App>, Path(team): Path<String>, Query(a): Query<Auth>) -> Response {
    page(&app, &a, view::Kind::Team, Some(&team))
}
async fn team_live(State(app): State<App>, Path(team): Path<String>, Query(a): Query<Auth>) -> Response {
    fragment(&app, &a, view::Kind::Team, Some(&team))
}

fn allowed(app: &Shared, a: &Auth, kind: view::Kind, team: Option<&str>) -> Result<(), Denied> {
    match (kind, team) {
        (view::Kind::Facilitator, _) => app.facilitator(a),
        (view::Kind::Team, Some(t)) => app.team(a, t),
        _ => app.join(a),
    }
}

fn page(app: &App, a: &Auth, kind: view::Kind, team: Option<&str>) -> Response {
    view_of(app, a, kind, team, kind.page())
}

fn fragment(app: &App, a: &Auth, kind: view::Kind, team: Option<&str>) -> Response {
    view_of(app, a, kind, team, kind.fragment())
}

fn view_of(app: &App, a: &Auth, kind: view::Kind, team: Option<&str>, template: &str) -> Response {
    if let Err(r) = allowed(app, a, kind, team) {
        return r.into_response();
    }
    let mut live = app.lock();
    let mut v = view::build(app, &mut live, kind, team);
    if kind == view::Kind::Facilitator
        && let Some(id) = &a.provider
        && let Some(p) = view::provider(&mut live.session, id)
    {
        // Provider ids are scenario ids (letters, digits, `-`, `_`, `.`): safe in a query.
        v.live.push_str(if v.live.contains('?') { "&provider=" } else { "?provider=" });
        v.live.push_str(&p.id);
        v.provider = Some(p);
    }
    app.render(template, &v)
}

async fn events(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    if let Err(r) = app.join(&a) {
        return r.into_response();
    }
    let Ok(permit) = app.streams.clone().try_acquire_owned() else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "too many pages are open");
    };
    let stream = WatchStream::new(app.changed.subscribe()).map(move |v| {
        let _held = &permit;
        Ok::<_, std::convert::Infallible>(Event::default().event("update").data(v.to_string()))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

/// The session's state for programs: clock, injects before the room, open decisions and votes.
#[derive(Serialize)]
struct StateJson {
    now: u32,
    horizon: u32,
    when: String,
    next_inject: Option<u32>,
    injects: Vec<InjectJson>,
    open: Vec<String>,
    votes: Vec<super::session::Vote>,
    taken: Vec<(String, String)>,
    ended: bool,
}

#[derive(Serialize)]
struct InjectJson {
    index: usize,
    title: String,
    questions: Vec<String>,
    teams: Vec<String>,
    decision: Option<String>,
    options: Vec<String>,
}

async fn state(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    if let Err(r) = app.join(&a) {
        return r.into_response();
    }
    let live = app.lock();
    let s = &live.session;
    let sc = s.scenario();
    let injects = s
        .current()
        .into_iter()
        .map(|(index, inj)| {
            let (decision, options) = match &inj.event {
                crate::scenario::Event::Decision(d) => {
                    (Some(d.id.clone()), d.options.iter().map(|o| o.key.clone()).collect())
                }
                _ => (None, Vec::new()),
            };
            InjectJson { index, title: inj.title, questions: inj.questions, teams: inj.teams, decision, options }
        })
        .collect();
    let taken = s
        .rec
        .taken
        .iter()
        .map(|t| {
            let key = sc.decisions().find(|d| d.id == t.id).and_then(|d| d.options.get(t.option));
            (t.id.clone(), key.map_or(String::new(), |o| o.key.clone()))
        })
        .collect();
    axum::Json(StateJson {
        now: s.now(),
        horizon: s.horizon(),
        when: s.when(s.now()),
        next_inject: s.next_inject(),
        injects,
        open: s.open_decisions().into_iter().map(|d| d.id).collect(),
        votes: s.rec.votes.clone(),
        taken,
        ended: live.ended.is_some(),
    })
    .into_response()
}

async fn report_page(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    if let Err(r) = app.join(&a) {
        return r.into_response();
    }
    serve_file(app.out.join("report.html")).await
}

async fn cards_page(State(app): State<App>, Query(a): Query<Auth>) -> Response {
    if let Err(r) = app.facilitator(&a) {
        return r.into_response();
    }
    let live = app.lock();
    Html(super::cards::render(&live.session)).into_response()
}

async fn serve_file(path: PathBuf) -> Response {
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], bytes).into_response(),
        Err(_) => refuse(StatusCode::NOT_FOUND, "the report is written when the facilitator ends the exercise"),
    }
}

/// Answer a form post: a fetch gets 200 or the refusal's text; a plain form post is sent back
/// to its page.
fn done(headers: &HeaderMap, result: Result<(), String>, back: String) -> Response {
    let fetch = headers.get("x-requested-with").is_some_and(|v| v == "fetch");
    match result {
        Ok(()) if fetch => (StatusCode::OK, "ok").into_response(),
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) => refuse(StatusCode::CONFLICT, &e),
    }
}

/// Run `f` on the session off the async threads, then tell every page.
async fn change<F>(app: &App, f: F) -> Result<(), String>
where
    F: FnOnce(&mut Live) -> Result<(), String> + Send + 'static,
{
    let shared = app.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut live = shared.lock();
        if live.ended.is_some() {
            return Err("the exercise has ended".to_string());
        }
        f(&mut live)
    })
    .await
    .unwrap_or_else(|e| Err(format!("internal error: {e}")));
    app.bump();
    result
}

#[derive(Deserialize)]
struct StepForm {
    by: String,
}

async fn step(State(app): State<App>, Query(a): Query<Auth>, headers: HeaderMap, Form(f): Form<StepForm>) -> Response {
    if let Err(r) = app.facilitator(&a) {
        return r.into_response();
    }
    let by = match f.by.as_str() {
        "inject" => Step::Inject,
        "hour" => Step::Hour,
        "day" => Step::Day,
        _ => return refuse(StatusCode::BAD_REQUEST, "step by inject, hour or day"),
    };
    let r = change(&app, move |l| l.session.step(by).map_err(|e| e.0)).await;
    done(&headers, r, format!("/facilitator{}", app.qs(&Who::Facilitator, None)))
}

#[derive(Deserialize)]
struct BackForm {
    k: usize,
}

async fn back(State(app): State<App>, Query(a): Query<Auth>, headers: HeaderMap, Form(f): Form<BackForm>) -> Response {
    if let Err(r) = app.facilitator(&a) {
        return r.into_response();
    }
    let r = change(&app, move |l| l.session.back(f.k).map_err(|e| e.0)).await;
    done(&headers, r, format!("/facilitator{}", app.qs(&Who::Facilitator, None)))
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    option: String,
    #[serde(default)]
    note: String,
}

async fn decide(
    State(app): State<App>,
    Query(a): Query<Auth>,
    headers: HeaderMap,
    Form(f): Form<DecideForm>,
) -> Response {
    if let Err(r) = app.facilitator(&a) {
        return r.into_response();
    }
    let r = change(&app, move |l| {
        let d = l.session.open_decisions().into_iter().find(|d| d.id == f.decision);
        let Some(d) = d else { return Err(format!("the decision `{}` is not open", f.decision)) };
        let Some(i) = d.options.iter().position(|o| o.key == f.option) else {
            return Err(format!("`{}` is not an option of `{}`", f.option, d.id));
        };
        l.session.decide(&d.id, i, &f.note).map_err(|e| e.0)
    })
    .await;
    done(&headers, r, format!("/facilitator{}", app.qs(&Who::Facilitator, None)))
}

#[derive(Deserialize)]
struct TextForm {
    text: String,
}

async fn observe(
    State(app): State<App>,
    Query(a): Query<Auth>,
    headers: HeaderMap,
    Form(f): Form<TextForm>,
) -> Response {
    if let Err(r) = app.facilitator(&a) {
        return r.into_response();
    }
    let r = change(&app, move |l| l.session.observe(&f.text).map_err(|e| e.0)).await;
    done(&headers, r, format!("/facilitator{}", app.qs(&Who::Facilitator, None)))
}

async fn hotwash(
    State(app): State<App>,
    Query(a): Query<Auth>,
    headers: HeaderMap,
    Form(f): Form<TextForm>,
) -> Response {
    if let Err(r) = app.facilitator(&a) {
        return r.into_response();
    }
    let r = change(&app, move |l| l.session.hotwash(&f.text).map_err(|e| e.0)).await;
    done(&headers, r, format!("/facilitator{}", app.qs(&Who::Facilitator, None)))
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    confirm: String,
}

async fn end(State(app): State<App>, Query(a): Query<Auth>, headers: HeaderMap, Form(f): Form<EndForm>) -> Response {
    if let Err(r) = app.facilitator(&a) {
        return r.into_response();
    }
    if f.confirm != "yes" {
        return refuse(StatusCode::BAD_REQUEST, "tick the box to confirm the end of the exercise");
    }
    let out = app.out.clone();
    let r = change(&app, move |l| {
        let result = super::finish(&mut l.session, &out, false);
        let text = match result {
            Ok(summary) => Ok(report::summary_table(&summary)),
            Err(e) => Err(e.to_string()),
        };
        let shown = text.clone().map(|_| ());
        if let Ok(t) = &text {
            println!("{t}wrote {}; the report is at /report", out.display());
        }
        l.ended = Some(text);
        shown
    })
    .await;
    done(&headers, r, format!("/facilitator{}", app.qs(&Who::Facilitator, None)))
}

#[derive(Deserialize)]
struct AnswerForm {
    inject: usize,
    question: usize,
    #[serde(default)]
    text: String,
}

async fn answer(
    State(app): State<App>,
    Path(team): Path<String>,
    Query(a): Query<Auth>,
    headers: HeaderMap,
    Form(f): Form<AnswerForm>,
) -> Response {
    if let Err(r) = app.team(&a, &team) {
        return r.into_response();
    }
    let id = team.clone();
    let r = change(&app, move |l| {
        let Some((_, inj)) = l.session.current().into_iter().find(|(i, _)| *i == f.inject) else {
            return Err("that inject is no longer before the room".into());
        };
        let name = l.session.team_name(&id);
        if !super::teams::addressed(&inj, &name) {
            return Err("that inject is not addressed to your team".into());
        }
        l.session.answer(&id, f.inject, f.question, &f.text).map_err(|e| e.0)
    })
    .await;
    done(&headers, r, format!("/team/{team}{}", app.qs(&Who::Viewer, Some(&team))))
}

#[derive(Deserialize)]
struct VoteForm {
    decision: String,
    option: String,
}

async fn vote(
    State(app): State<App>,
    Path(team): Path<String>,
    Query(a): Query<Auth>,
    headers: HeaderMap,
    Form(f): Form<VoteForm>,
) -> Response {
    if let Err(r) = app.team(&a, &team) {
        return r.into_response();
    }
    let id = team.clone();
    let r = change(&app, move |l| {
        let name = l.session.team_name(&id);
        let meant = l.session.current().iter().any(|(_, inj)| {
            matches!(&inj.event, crate::scenario::Event::Decision(d) if d.id == f.decision)
                && super::teams::addressed(inj, &name)
        });
        if !meant {
            return Err(format!("the decision `{}` is not open for your team", f.decision));
        }
        l.session.vote(&id, &f.decision, &f.option).map_err(|e| e.0)
    })
    .await;
    done(&headers, r, format!("/team/{team}{}", app.qs(&Who::Viewer, Some(&team))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_and_secrets() {
        assert!(!ServeOptions::parse(None).unwrap().secured);
        let o = ServeOptions::parse(Some("9000")).unwrap();
        assert!(o.secured && o.addr.ip().is_unspecified() && o.addr.port() == 9000);
        assert!(ServeOptions::parse(Some("127.0.0.1:0")).unwrap().secured);
        assert!(ServeOptions::parse(Some("nonsense")).is_err());
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        let a = secret(24, b"ab");
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|b| b == b'a' || b == b'b'));
    }
}
