//! Running the units of a plan in parallel on a local rayon pool and handing their results to a
//! sequential reduction in a fixed order, a bounded chunk at a time.

use rayon::prelude::*;

use crate::error::Error;

/// The default number of worker threads: the machine's parallelism.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Map `f` over `items` on a local pool of `jobs` threads; results come back in item order.
/// With `progress`, progress goes to stderr ([`crate::ui::Progress`]: a bar on a terminal, lines in a log).
pub fn par_map<T: Sync, R: Send>(
    jobs: usize,
    items: &[T],
    progress: bool,
    f: impl Fn(&T) -> R + Sync,
) -> Result<Vec<R>, Error> {
    let mut out = Vec::with_capacity(items.len());
    par_stream(jobs, items, progress, f, |r| out.push(r))?;
    Ok(out)
}

/// Items mapped at once by [`par_stream`] per worker thread.
const CHUNK_PER_JOB: usize = 16;

/// Map `f` over `items` on a local pool of `jobs` threads and hand the results to `sink` in
/// item order, a chunk of `16 × jobs` items at a time: only one chunk's results are held.
pub fn par_stream<T: Sync, R: Send>(
    jobs: usize,
    items: &[T],
    progress: bool,
    f: impl Fn(&T) -> R + Sync,
    sink: impl FnMut(R),
) -> Result<(), Error> {
    stream(jobs, items.iter(), progress, f, sink)
}

/// Run the units `plan` owns on a local pool of `jobs` threads and hand each result to `sink`
/// in plan order: the reduction is sequential and in a fixed order, so its result does not
/// depend on `jobs`; only `16 × jobs` results are held at a time, so memory does not grow with
/// the number of units.
pub fn run_plan<R: Send>(
    jobs: usize,
    plan: &super::Plan,
    progress: bool,
    f: impl Fn(&super::Unit) -> R + Sync,
    sink: impl FnMut(R),
) -> Result<(), Error> {
    stream(jobs, plan.units(), progress, |u: &super::Unit| f(u), sink)
}

/// [`run_plan`] for units that can fail (a parameter draw the scenario refuses): the results
/// that are `Ok` go to `sink` in plan order, and the first error in plan order is returned.
pub fn try_run_plan<R: Send>(
    jobs: usize,
    plan: &super::Plan,
    progress: bool,
    f: impl Fn(&super::Unit) -> Result<R, Error> + Sync,
    mut sink: impl FnMut(R),
) -> Result<(), Error> {
    let mut first_error = None;
    run_plan(jobs, plan, progress, f, |r| match r {
        Ok(r) => sink(r),
        Err(e) => {
            first_error.get_or_insert(e);
        }
    })?;
    first_error.map_or(Ok(()), Err)
}

/// [`par_stream`] over any sized iterator, consumed a chunk at a time.
pub fn stream<I, T, R>(
    jobs: usize,
    items: I,
    progress: bool,
    f: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(R),
) -> Result<(), Error>
where
    I: ExactSizeIterator,
    I::Item: std::borrow::Borrow<T> + Sync,
    T: Sync + ?Sized,
    R: Send,
{
    use std::borrow::Borrow;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {jobs} worker threads: {e}")))?;
    let bar = crate::ui::Progress::new(items.len() as u64, progress);
    let size = (jobs.max(1) * CHUNK_PER_JOB).max(1);
    let mut items = items.peekable();
    while items.peek().is_some() {
        let chunk: Vec<I::Item> = items.by_ref().take(size).collect();
        let results: Vec<R> = pool.install(|| {
            chunk
                .par_iter()
                .map(|item| {
                    let r = f(item.borrow());
                    bar.inc();
                    r
                })
                .collect()
        });
        results.into_iter().for_each(&mut sink);
    }
    bar.finish();
    Ok(())
}
