//! 会社情報設定.
use leptos::prelude::*;

use super::AdminFrame;
use crate::api::{SaveCompany, get_company};
use crate::components::{FieldMsg, FormMsg, err_of, ok_of};
use crate::i18n::use_lang;

#[component]
pub fn CompanyPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let save = ServerAction::<SaveCompany>::new();
    let company = Resource::new(move || save.version().get(), |_| get_company());
    let err = err_of(save.value());
    let ok = ok_of(save);
    view! {
        <AdminFrame title=|t| t.company_settings>
            <Transition fallback=move || view! { <p>{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let c = company.await.unwrap_or_default();
                    view! {
                        <ActionForm action=save attr:data-testid="company-form">
                            <label>
                                {move || t().company_name}
                                <input type="text" name="name" value=c.name maxlength="100" data-testid="company-name" />
                            </label>
                            <FieldMsg err field="name" />
                            <label>
                                {move || t().company_email}
                                <input type="text" name="email" value=c.email inputmode="email" maxlength="254" data-testid="company-email" />
                            </label>
                            <FieldMsg err field="email" />
                            <FormMsg err ok />
                            <button type="submit" class="primary" data-testid="company-save">
                                {move || t().save}
                            </button>
                        </ActionForm>
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}
