//! One AsyncTask for every blocking call: runs a closure on the libuv thread pool and hands
//! its (already JS-convertible) result back.

use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Error, Result, Task};

pub struct Blocking<T: Send + 'static> {
    work: Option<Box<dyn FnOnce() -> T + Send>>,
}

impl<T> Task for Blocking<T>
where
    T: ToNapiValue + TypeName + Send + 'static,
{
    type Output = T;
    type JsValue = T;

    fn compute(&mut self) -> Result<T> {
        let work = self.work.take().ok_or_else(|| Error::from_reason("a blocking task ran twice"))?;
        Ok(work())
    }

    fn resolve(&mut self, _env: Env, output: T) -> Result<T> {
        Ok(output)
    }
}

pub fn blocking<T>(work: impl FnOnce() -> T + Send + 'static) -> AsyncTask<Blocking<T>>
where
    T: ToNapiValue + TypeName + Send + 'static,
{
    AsyncTask::new(Blocking { work: Some(Box::new(work)) })
}
